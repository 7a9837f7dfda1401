-- What each broker can do is declared by its adapter and written here at every start (BrokerCatalogue):
-- a broker is added in code, not by a migration. Runs queue jobs only for brokers with 'scheduled_sync';
-- an import-only broker's accounts are skipped and counted.
ALTER TABLE broker_types ADD COLUMN capabilities text[] NOT NULL DEFAULT '{holdings,scheduled_sync}';
