DROP TABLE rectification_notices;
