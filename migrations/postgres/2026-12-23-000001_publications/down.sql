DROP TABLE publication_corrections;
DROP TABLE publication_units;
DROP TABLE publications;
