-- What a holding is made of, and what a reader of a snapshot must know (issue: Kite tells the truth).

-- The split of a holding's quantity as the broker reports it (free + unsettled + pledged = quantity),
-- a lot kept apart (Kite's MTF), and units per lot for contracts quoted in lots.
ALTER TABLE holdings
    ADD COLUMN free_quantity       numeric,
    ADD COLUMN unsettled_quantity  numeric,
    ADD COLUMN pledged_quantity    numeric,
    ADD COLUMN lot                 text CHECK (lot IN ('mtf')),
    ADD COLUMN multiplier          numeric;

-- Notes beside a snapshot: parts the broker did not deliver, P&L it reports differently. Never alter the rows.
ALTER TABLE holding_snapshots ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';

ALTER TABLE transactions ADD COLUMN multiplier numeric;

-- A succeeded job that stored less than everything says so (e.g. mutual funds refused).
ALTER TABLE jobs ADD COLUMN note text;

-- When the login behind the sealed credentials was made and when the broker ends it (Kite: 06:00 IST the next day).
ALTER TABLE credentials
    ADD COLUMN issued_at   timestamptz,
    ADD COLUMN expires_at  timestamptz;
