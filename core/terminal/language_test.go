package terminal_test

import (
	"context"
	"strings"
	"testing"

	"atmshop/core"
	"atmshop/core/terminal"
)

func TestChooseLanguage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setting core.Language
		env     map[string]string
		want    core.Language
	}{
		{"nothing set", "", nil, core.English},
		{"zh_CN.UTF-8", "", map[string]string{"LANG": "zh_CN.UTF-8"}, core.Chinese},
		{"zh_SG", "", map[string]string{"LANG": "zh_SG"}, core.Chinese},
		{"zh", "", map[string]string{"LANG": "zh"}, core.Chinese},
		{"zh_TW.Big5", "", map[string]string{"LANG": "zh_TW.Big5"}, core.Chinese},
		{"C", "", map[string]string{"LANG": "C"}, core.English},
		{"C.UTF-8", "", map[string]string{"LANG": "C.UTF-8"}, core.English},
		{"POSIX", "", map[string]string{"LANG": "POSIX"}, core.English},
		{"en_GB", "", map[string]string{"LANG": "en_GB.UTF-8"}, core.English},
		{"zhx is not zh", "", map[string]string{"LANG": "zhx_CN"}, core.English},
		{"LC_MESSAGES before LANG", "", map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, core.Chinese},
		{"LC_ALL before both", "", map[string]string{"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8", "LC_ALL": "C"}, core.English},
		{"empty LC_ALL is unset", "", map[string]string{"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, core.Chinese},
		{"the setting wins", core.English, map[string]string{"LANG": "zh_CN.UTF-8"}, core.English},
		{"zh setting, C locale", core.Chinese, map[string]string{"LC_ALL": "C"}, core.Chinese},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := terminal.ChooseLanguage(tc.setting, func(name string) string { return tc.env[name] })
			if got != tc.want {
				t.Errorf("ChooseLanguage(%q, %v) = %q, want %q", tc.setting, tc.env, got, tc.want)
			}
		})
	}
}

// runIn runs a script in an app that starts in lang.
func (f *fixture) runIn(t *testing.T, lang core.Language, lines ...string) string {
	t.Helper()
	var out strings.Builder
	app, err := terminal.New(f.Bank, &scriptReader{lines: lines, clock: f.Clock}, &out, terminal.Options{Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestRefusalsInChinese(t *testing.T) {
	f := newFixture(t)
	out := f.runIn(t, core.Chinese, "alice", "alice-pw", "3", "alice", "3", "bob", "100000", "y", "q")
	assertContains(t, out, "不能给自己转账。", "余额不足：本次转账需要 100,000.00，但可用金额只有 ")
	assertLacks(t, out, "Insufficient", "yourself")
}

// The person's own language is taken at login and dropped at log out.
func TestOwnLanguageFollowsTheLogin(t *testing.T) {
	f := newFixture(t)
	if err := f.Bank.SetLanguage(context.Background(), "alice", core.Chinese); err != nil {
		t.Fatal(err)
	}
	out := f.runIn(t, core.English, "alice", "alice-pw", "o", "bob", "bob-pw", "q")
	assertContains(t, out, "Welcome to atmshop.", "欢迎，alice。", "再见，alice。\n", "Welcome, bob.", "Goodbye.\n")
}

func TestNewRefusesAnUnknownLanguage(t *testing.T) {
	f := newFixture(t)
	if _, err := terminal.New(f.Bank, strings.NewReader(""), &strings.Builder{}, terminal.Options{Language: "fr"}); err == nil {
		t.Error("New took Language fr")
	}
}
