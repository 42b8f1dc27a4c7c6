DROP TABLE rectification_evidence;
DROP TABLE rectification_events;
DROP TABLE rectifications;
