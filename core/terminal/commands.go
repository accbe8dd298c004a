package terminal

// Commands is the main menu, in the order it is shown. Each command lives
// in its own cmd_*.go file; adding one means writing that file and adding
// it to this list.
func Commands() []Command {
	return []Command{
		shopCommand,
		balanceCommand,
		transferCommand,
		withdrawCommand,
		repayCommand,
		statementCommand,
		ordersCommand,
		passwordCommand,
		billsCommand,
		languageCommand,
		adminCommand,
		logoutCommand,
		quitCommand,
	}
}
