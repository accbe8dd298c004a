package conf

import "atmshop/core"

// languageAuto is [ui] language's value for "follow the terminal".
const languageAuto = "auto"

// uiSection is [ui]: how the program speaks to people.
var uiSection = section{"ui", []setting{
	oneOf("language", languageAuto, []string{languageAuto, string(core.English), string(core.Chinese)}, func(c *Config, v string) {
		c.Language = core.Language(v)
		if v == languageAuto {
			c.Language = ""
		}
	}),
}}
