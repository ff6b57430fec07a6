package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// readyTimeout bounds each of readiness's checks.
const readyTimeout = 2 * time.Second

// intakeStall is how long updates may sit in this process's hands with
// none handled before it is not ready: twice the longest a step may take.
const intakeStall = time.Minute

// healthz answers while the process serves HTTP: a liveness probe, which
// must not fail because Postgres or Redis does (restarting the process
// would not bring them back).
func healthz(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when this process can do its work — Postgres and
// Redis answer, the schema is this binary's, the intake moves — and 503
// with the first reason it cannot.
func (svc *service) readyz(w http.ResponseWriter, r *http.Request) {
	if err := svc.ready(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// ready is nil when the process is ready, else why not, in a few words
// that name no credentials (a driver's error may hold a URL; it is not
// passed on).
func (svc *service) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := svc.store.Pool().Ping(ctx); err != nil {
		return errors.New("postgres unavailable")
	}
	if err := checkSchema(ctx, svc.store); err != nil {
		if ctx.Err() != nil {
			return errors.New("postgres unavailable")
		}
		return errors.New("database schema not current: run `ocopbot migrate`")
	}
	if err := svc.rdb.Client().Ping(ctx).Err(); err != nil {
		return errors.New("redis unavailable")
	}
	if stalled, n, since := svc.bot.IntakeStalled(intakeStall); stalled {
		return fmt.Errorf("intake stalled: %d updates in hand, none handled for %s", n, since.Round(time.Second))
	}
	return nil
}
