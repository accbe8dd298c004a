package pgstore

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"atmshop/core/pgstore/pgtest"
)

// TestSchemaFilesNumbered: the schema files in the binary are versions 1,
// 2, 3, … by the numbers their names start with; a gap, a duplicate or a
// name without a number is refused.
func TestSchemaFilesNumbered(t *testing.T) {
	ms, err := migrations(schemaFS)
	if err != nil {
		t.Fatalf("the embedded schema files: %v", err)
	}
	for i, m := range ms {
		if m.version != i+1 || !strings.HasPrefix(m.file, "schema/") {
			t.Errorf("embedded file %d: %s is version %d", i, m.file, m.version)
		}
	}
	if got := SchemaVersion(); got != len(ms) {
		t.Errorf("SchemaVersion() = %d, want %d", got, len(ms))
	}

	sql := &fstest.MapFile{Data: []byte(`SELECT 1;`)}
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{[]string{"001_a.sql", "003_c.sql"}, "schema/003_c.sql is version 3, but there is no version 2"},
		{[]string{"001_a.sql", "002_b.sql", "002_c.sql"}, "schema/002_b.sql and schema/002_c.sql are both version 2"},
		{[]string{"002_b.sql"}, "no version 1"},
		{[]string{"001_a.sql", "init.sql"}, "schema/init.sql: its name does not start with its version number"},
		{[]string{"000_a.sql"}, "does not start with its version number"},
		{nil, "no schema files"},
	} {
		fsys := fstest.MapFS{}
		for _, f := range tc.files {
			fsys["schema/"+f] = sql
		}
		if _, err := migrations(fsys); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v; want an error saying %q", tc.files, err, tc.want)
		}
	}
}

// TestMigrateByVersionNumber: the files applied are those whose number is
// above the version the database records, in the order of their numbers,
// which is not the order of their names past 9; schema files with a gap
// are refused before anything is changed.
func TestMigrateByVersionNumber(t *testing.T) {
	ctx := context.Background()
	newStore := func(t *testing.T) *Store {
		pool, err := pgxpool.New(ctx, pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return &Store{pool: pool}
	}
	// Each file appends its number to a log, which 1 creates.
	fsys := fstest.MapFS{}
	add := func(name, sql string) { fsys["schema/"+name] = &fstest.MapFile{Data: []byte(sql)} }
	add("1_log.sql", `CREATE TABLE log (n integer NOT NULL, seq integer GENERATED ALWAYS AS IDENTITY)`)
	for _, name := range []string{"2", "3", "4", "5", "6", "7", "8", "9", "10", "11"} {
		add(name+"_step.sql", `INSERT INTO log (n) VALUES (`+name+`)`)
	}

	t.Run("from version 3", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.pool.Exec(ctx, `CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1), (2), (3);
			CREATE TABLE log (n integer NOT NULL, seq integer GENERATED ALWAYS AS IDENTITY)`); err != nil {
			t.Fatal(err)
		}
		if err := s.migrate(ctx, fsys); err != nil {
			t.Fatal(err)
		}
		var applied string
		var version int
		if err := s.pool.QueryRow(ctx, `SELECT (SELECT string_agg(n::text, ' ' ORDER BY seq) FROM log), (SELECT max(version) FROM schema_version)`).Scan(&applied, &version); err != nil {
			t.Fatal(err)
		}
		if applied != "4 5 6 7 8 9 10 11" || version != 11 {
			t.Errorf("applied %q and recorded version %d; want 4 to 11 in order, and 11", applied, version)
		}
	})
	t.Run("a gap", func(t *testing.T) {
		s := newStore(t)
		gap := fstest.MapFS{"schema/1_log.sql": fsys["schema/1_log.sql"], "schema/3_step.sql": fsys["schema/3_step.sql"]}
		if err := s.migrate(ctx, gap); err == nil || !strings.Contains(err.Error(), "no version 2") {
			t.Errorf("schema files 1 and 3: %v; want them refused, naming the gap", err)
		}
		var tables int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename IN ('log', 'schema_version')`).Scan(&tables); err != nil || tables != 0 {
			t.Errorf("%d tables after the refusal, %v; want none: nothing changed", tables, err)
		}
	})
}
