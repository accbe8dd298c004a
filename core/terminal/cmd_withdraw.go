package terminal

import "context"

var withdrawCommand = Command{Key: "4", Label: "Withdraw cash", Help: "Take out cash; a fee is charged on top", Access: LoggedIn, Run: withdraw}

func withdraw(ctx context.Context, app *App) error {
	amount, err := app.AskMoney(ctx, "amount> ")
	if err != nil {
		return err
	}
	fee := app.Bank().WithdrawFee(amount)
	ok, err := app.Confirm(ctx, "Withdraw %s plus a %s fee?", amount, fee)
	if err != nil || !ok {
		app.Printf("Withdrawal cancelled; nothing was changed.\n")
		return err
	}
	if _, err := app.Bank().Withdraw(ctx, app.User(), amount); err != nil {
		return err
	}
	app.Printf("Please take your cash: %s. Fee charged: %s.\n", amount, fee)
	return nil
}
