-- The bank's data. Money is in minor units (fen); a month is
-- year*12 + month-1, so months sort and compare as integers. Names are
-- COLLATE "C" so they sort byte by byte, as the port lists them, whatever
-- the server's locale, and the indexes serve that order.
CREATE TABLE accounts (
	name          text COLLATE "C" PRIMARY KEY,
	password_hash text NOT NULL,
	balance       bigint NOT NULL,
	credit_limit  bigint NOT NULL CHECK (credit_limit >= 0),
	admin         boolean NOT NULL,
	frozen        boolean NOT NULL,
	failed_logins integer NOT NULL CHECK (failed_logins >= 0),
	locked_until  timestamptz NOT NULL,
	created       timestamptz NOT NULL,
	updated       timestamptz NOT NULL,
	CONSTRAINT balance_within_credit CHECK (balance >= -credit_limit)
);

-- One row per ledger entry. seq orders an account's entries; an
-- account's ledger need not have an account row (the port allows it).
CREATE TABLE entries (
	seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id            text NOT NULL UNIQUE,
	account       text COLLATE "C" NOT NULL,
	month         integer NOT NULL,
	ref           text NOT NULL,
	at            timestamptz NOT NULL,
	kind          text NOT NULL,
	counterparty  text NOT NULL,
	amount        bigint NOT NULL,
	balance_after bigint NOT NULL,
	note          text NOT NULL
);
-- A month's statement, and an account's latest entries.
CREATE INDEX entries_account_month ON entries (account, month, seq);
CREATE INDEX entries_account_ref ON entries (account, ref);

CREATE TABLE orders (
	seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account text COLLATE "C" NOT NULL,
	id      text NOT NULL,
	at      timestamptz NOT NULL,
	total   bigint NOT NULL,
	UNIQUE (account, id)
);
-- A user's orders, oldest first.
CREATE INDEX orders_account ON orders (account, seq);

CREATE TABLE order_lines (
	order_seq bigint NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
	line      integer NOT NULL,
	item      text NOT NULL,
	price     bigint NOT NULL,
	quantity  integer NOT NULL,
	PRIMARY KEY (order_seq, line)
);

-- The settings the bank's data is fixed to: at most one row.
CREATE TABLE bank_settings (
	one       boolean PRIMARY KEY DEFAULT true CHECK (one),
	time_zone text NOT NULL
);
