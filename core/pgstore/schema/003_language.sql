-- The language a person chose for themselves; '' follows the terminal.
-- Accounts from before the choice existed read as ''.
ALTER TABLE accounts ADD COLUMN language text NOT NULL DEFAULT ''
	CHECK (language IN ('', 'en', 'zh'));
