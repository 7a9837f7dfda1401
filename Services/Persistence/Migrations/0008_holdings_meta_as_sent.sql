-- A holding's meta is the broker's own item, kept as sent (issue 14). As jsonb every row's item was parsed
-- into a binary tree, keys re-ordered and numbers normalised, on every COPY: with Kite's ~700-byte items it
-- was most of Postgres's CPU per Kite account (BENCHMARKS.md, "End to end: ZERODHA format"). json only
-- checks the text is JSON and keeps it byte for byte, which is also what "as sent" means. Reads cast it
-- to text (Rows.swift), as before.
ALTER TABLE holdings ALTER COLUMN meta TYPE json USING meta::json;
