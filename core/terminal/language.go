package terminal

import (
	"strings"

	"atmshop/core"
)

// ChooseLanguage is the language a session starts in: setting (from
// [ui] language) unless it is empty ("auto"); then the first of LC_ALL,
// LC_MESSAGES and LANG that is set and not empty, as getenv reports them
// (the process's environment at a terminal, the client's over SSH):
// Chinese for zh, zh_CN.UTF-8, zh_SG and the like, English for C, POSIX
// and anything else; English when none is set.
func ChooseLanguage(setting core.Language, getenv func(string) string) core.Language {
	if setting != "" {
		return setting
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale := getenv(name); locale != "" {
			lang, _, _ := strings.Cut(locale, "_")
			lang, _, _ = strings.Cut(lang, ".")
			if strings.EqualFold(lang, "zh") {
				return core.Chinese
			}
			return core.English
		}
	}
	return core.English
}
