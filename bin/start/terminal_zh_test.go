//go:build linux

package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"atmshop/lib/textcolumns"
)

// zhConfig has Chinese item names and amounts of 10 to 13 digits.
const zhConfig = `[security]
bcrypt_cost = 4
[logging]
console_level = error
[shop]
西湖龙井茶叶 250g = 128.00
Coffee beans 1kg = 89.90
景德镇青花瓷茶具 = 1234567890.12
[wang]
password = wang-pw
money = 1234567890123.45
`

// zhEnv is the test's environment in a Chinese locale on a colour
// terminal, with NO_COLOR set to noColor.
func zhEnv(noColor string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != "LANG" && name != "NO_COLOR" && name != "TERM" && !strings.HasPrefix(name, "LC_") {
			env = append(env, kv)
		}
	}
	return append(env, "LANG=zh_CN.UTF-8", "TERM=xterm-256color", "NO_COLOR="+noColor)
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// shopAndStatement logs wang in, fills a cart, pays, and shows the
// statement, balance and orders; it returns the screen's lines without
// colours, and the screen as it was.
func shopAndStatement(t *testing.T, noColor string) (lines []string, screen string) {
	term := startTerminalWith(t, []byte(zhConfig), zhEnv(noColor))
	term.waitFor("用户名：")
	term.typeKeys("wang\r")
	term.waitFor("密码：")
	term.waitEchoOff()
	term.typePassword("wang-pw", "欢迎，wang。")
	// Each answer is typed only once its question is on the screen: keys
	// typed earlier are echoed by the terminal in the middle of the
	// output, and the lines checked below would not be whole.
	term.typeKeys("1\r")
	term.waitForPrompt("购物 [购物车 0.00]> ")
	term.typeKeys("1\r")
	term.waitForPrompt("数量> ")
	term.typeKeys("2\r")
	term.waitFor("购物车合计：256.00。")
	term.waitForPrompt("]> ")
	term.typeKeys("3\r")
	term.waitForPrompt("数量> ")
	term.typeKeys("1\r")
	term.waitFor("购物车合计：1,234,568,146.12。")
	term.waitForPrompt("]> ")
	term.typeKeys("9\r") // a refusal, in red
	term.waitFor("无效的选择")
	term.waitForPrompt("]> ")
	term.typeKeys("x\r")
	term.waitForPrompt("(y/n)> ")
	term.typeKeys("y\r")
	term.waitFor("已支付 1,234,568,146.12。")
	term.waitForPrompt("请选择> ")
	term.typeKeys("6\r")
	term.waitForPrompt("> ")
	term.typeKeys("\r")
	term.waitFor("期末余额：")
	term.waitForPrompt("请选择> ")
	term.typeKeys("2\r")
	term.waitFor("可用金额：")
	term.waitForPrompt("请选择> ")
	term.typeKeys("7\r")
	term.waitFor("2 x 西湖龙井茶叶 250g")
	term.waitForPrompt("请选择> ")
	term.typeKeys("q\r")
	term.waitFor("再见。")
	screen = term.text()
	return strings.Split(strings.ReplaceAll(ansi.ReplaceAllString(screen, ""), "\r", ""), "\n"), screen
}

// block is the lines from the first that contains start up to the first
// after it that contains end (excluded).
func block(t *testing.T, lines []string, start, end string) []string {
	t.Helper()
	for i, l := range lines {
		if strings.Contains(l, start) {
			for j := i + 1; j < len(lines); j++ {
				if strings.Contains(lines[j], end) {
					return lines[i+1 : j]
				}
			}
		}
	}
	t.Fatalf("no lines between %q and %q in:\n%s", start, end, strings.Join(lines, "\n"))
	return nil
}

// sameWidth checks that every line ends in the same screen column.
func sameWidth(t *testing.T, what string, lines []string) {
	t.Helper()
	if len(lines) < 2 {
		t.Fatalf("%s: want at least 2 lines, got %q", what, lines)
	}
	for _, l := range lines {
		if textcolumns.Width(l) != textcolumns.Width(lines[0]) {
			t.Errorf("%s does not line up: %q is %d columns wide, %q %d:\n%s", what, l, textcolumns.Width(l), lines[0], textcolumns.Width(lines[0]), strings.Join(lines, "\n"))
		}
	}
}

var amountRE = regexp.MustCompile(`-?[0-9][0-9,]*\.[0-9]{2}`)

// TestTerminalChineseTablesLineUp runs a Chinese session on a real
// terminal and checks that the catalog, the cart, the statement, the
// balance and the orders line up on screen, with Chinese item names and
// amounts of up to 13 digits.
func TestTerminalChineseTablesLineUp(t *testing.T) {
	lines, screen := shopAndStatement(t, "")

	// The catalog and the cart end with their price or total column.
	sameWidth(t, "the catalog", block(t, lines, "购物：商品目录", "输入商品编号"))
	// At checkout: the heading, two lines and the total.
	sameWidth(t, "the cart", block(t, lines, "]> x", "(y/n)"))

	// The statement's entries: the amount and the balance end in the
	// same columns on every line.
	var amountEnds, balanceEnds []int
	for _, l := range block(t, lines, "期初余额：", "收入合计：") {
		at := amountRE.FindAllStringIndex(l, 2)
		if len(at) != 2 {
			t.Fatalf("statement line without an amount and a balance: %q", l)
		}
		amountEnds = append(amountEnds, textcolumns.Width(l[:at[0][1]]))
		balanceEnds = append(balanceEnds, textcolumns.Width(l[:at[1][1]]))
	}
	if len(amountEnds) != 2 { // the opening balance and the purchase
		t.Errorf("want 2 statement entries, got %d:\n%s", len(amountEnds), screen)
	}
	for i := range amountEnds {
		if amountEnds[i] != amountEnds[0] || balanceEnds[i] != balanceEnds[0] {
			t.Errorf("the statement's columns do not line up: amounts end at %v, balances at %v:\n%s", amountEnds, balanceEnds, screen)
			break
		}
	}
	var totals []string
	for _, l := range lines {
		for _, label := range []string{"期初余额：", "收入合计：", "支出合计：", "期末余额："} {
			if strings.HasPrefix(l, label) {
				totals = append(totals, l)
			}
		}
	}
	sameWidth(t, "the statement's totals", totals)
	if len(amountEnds) > 0 && textcolumns.Width(totals[0]) != amountEnds[0] {
		t.Errorf("the statement's totals end at column %d, its amounts at %d:\n%s", textcolumns.Width(totals[0]), amountEnds[0], screen)
	}
	if !regexp.MustCompile(`wang 的账单，\d{4}年\d{1,2}月`).MatchString(screen) {
		t.Errorf("no statement heading with a Chinese month:\n%s", screen)
	}

	// The balance: three lines ending in one column.
	var balance []string
	for _, l := range lines {
		if strings.HasPrefix(l, "余额：") || strings.HasPrefix(l, "信用额度：") || strings.HasPrefix(l, "可用金额：") {
			balance = append(balance, l)
		}
	}
	if len(balance) != 3 {
		t.Errorf("want the 3 lines of the balance, got %q", balance)
	}
	sameWidth(t, "the balance", balance)

	// The orders: the total ends in one column (one order here, so
	// against the width the statement gives its amounts is not needed).
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d  p-[0-9a-f]{16}  1,234,568,146\.12  2 x 西湖龙井茶叶 250g, 1 x 景德镇青花瓷茶具\r?$`).MatchString(ansi.ReplaceAllString(screen, "")) {
		t.Errorf("no order line:\n%s", screen)
	}

	// Colour on a terminal: the refusal in red, the totals in bold.
	for _, want := range []string{"\x1b[31m无效的选择", "\x1b[1m可用金额：", "\x1b[1m期末余额："} {
		if !strings.Contains(screen, want) {
			t.Errorf("the screen lacks %q:\n%q", want, screen)
		}
	}
}

// NO_COLOR set and not empty turns the colours off, on a terminal too.
func TestTerminalNoColor(t *testing.T) {
	_, screen := shopAndStatement(t, "1")
	if ansi.MatchString(screen) {
		t.Errorf("NO_COLOR=1, yet the screen has colours:\n%q", screen)
	}
}
