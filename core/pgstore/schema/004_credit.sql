-- The credit card's month. An account's bills, oldest first, as JSON
-- (a few a year, always read and written with the account), and the last
-- day whose interest and bill are booked (NULL: not yet booked). A day's
-- interest is posted once per account: its ref names the account and the
-- day, and one_posting (002) allows one entry of a kind per account and ref.
ALTER TABLE accounts
	ADD COLUMN bills jsonb NOT NULL DEFAULT '[]',
	ADD COLUMN booked_through timestamptz;
