-- Runs once, when PostgreSQL starts with an empty data folder (a new postgres_data volume).
CREATE TABLE IF NOT EXISTS notes (
    id SERIAL PRIMARY KEY,
    text VARCHAR(200) NOT NULL
);
INSERT INTO notes (text) VALUES ('Welcome! This note comes from db/init.sql.');
