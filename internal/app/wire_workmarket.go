package app

import (
	"strings"

	"github.com/fieldhub/fieldhub/internal/connector/workmarket"
	"github.com/fieldhub/fieldhub/internal/dispatch"
)

// workMarketPlatform is the WorkMarket connector when --workmarket-url is
// set. The token is an access token, or "token:secret" (the API token and
// secret WorkMarket issues), which the client exchanges for access tokens
// itself and renews when they expire. A configuration the client refuses
// is logged (without the token) and leaves the connector off.
func (a *App) workMarketPlatform() (dispatch.Platform, bool) {
	cfg := a.Config
	if cfg.WorkMarketURL == "" {
		return nil, false
	}
	wc := workmarket.Config{BaseURL: cfg.WorkMarketURL, WebhookSecret: cfg.WorkMarketWebhookSecret, Now: cfg.Clock}
	if tok, secret, ok := strings.Cut(cfg.WorkMarketToken, ":"); ok {
		wc.Token, wc.Secret = tok, secret
	} else {
		wc.AccessToken = cfg.WorkMarketToken
	}
	c, err := workmarket.New(wc)
	if err != nil {
		a.Log.Error("workmarket connector is off", "error", err)
		return nil, false
	}
	return c, true
}
