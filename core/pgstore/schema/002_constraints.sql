-- What the rules always do, the database now holds them to: an entry or
-- an order belongs to an existing account, and an event posts at most one
-- entry of a kind to an account (a transfer's two sides are two accounts,
-- a withdrawal and its fee two kinds), so a retried transaction cannot
-- post twice.
--
-- The foreign keys are checked at COMMIT: the rules create an account and
-- post its opening entry in one transaction, entry first.
--
-- A database written by the rules already holds to both. One that does
-- not (a hand edit) fails this migration with PostgreSQL's message naming
-- the offending key, and is left at version 1, unchanged.
ALTER TABLE entries ADD CONSTRAINT entries_account_fkey
	FOREIGN KEY (account) REFERENCES accounts (name) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE orders ADD CONSTRAINT orders_account_fkey
	FOREIGN KEY (account) REFERENCES accounts (name) DEFERRABLE INITIALLY DEFERRED;

-- One posting per (ref, account, kind). Its index also serves the ref
-- lookup, which had an index of its own.
ALTER TABLE entries ADD CONSTRAINT one_posting UNIQUE (account, ref, kind);
DROP INDEX entries_account_ref;
