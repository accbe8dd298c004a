package terminal

import "context"

var repayCommand = Command{Key: "5", Label: "Repay / deposit", Help: "Pay money in, reducing what is owed", Access: LoggedIn, Run: repay}

func repay(ctx context.Context, app *App) error {
	amount, err := app.AskMoney(ctx, "amount> ")
	if err != nil {
		return err
	}
	if err := app.Bank().Repay(ctx, app.User(), amount); err != nil {
		return err
	}
	a, err := app.Bank().Account(ctx, app.User())
	if err != nil {
		return err
	}
	app.Printf("Paid in %s. Balance is now %s.\n", amount, a.Balance)
	return nil
}
