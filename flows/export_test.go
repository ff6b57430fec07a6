package flows

import (
	"context"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/locales"
)

// What the tests of package flows_test read of the engine's insides (this
// file is compiled only with them).

// StatusModel is the status model of unit id (0: the country, a negated
// former district: its area) on day as off may see it, resolved and
// measured as every surface resolves and measures it: what the oracle test
// compares with its own recount and with each surface. ok is false when
// the scope is refused.
func (e *Engine) StatusModel(ctx context.Context, off ocop.Official, id int64, day time.Time) (d report.Data, ok bool, err error) {
	sc, ok := e.resolveScope(off, id, day)
	if !ok {
		return report.Data{}, false, nil
	}
	d, err = e.measure(ctx, e.text.Printer(locales.Default), sc)
	return d, true, err
}
