package metrics

import (
	"context"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// Records is the store as the flows use it, counting what they write:
// registrations submitted and imports. Every other method is the store's.
// Imports from the command line (`ocopbot … import`) run in a process of
// their own and are not counted here; the audit log has them.
type Records struct {
	*storage.Store
	m *Metrics
}

// Records wraps store for flows.Config.Records.
func (m *Metrics) Records(store *storage.Store) Records {
	return Records{Store: store, m: m}
}

// SubmitRegistration is storage.Store.SubmitRegistration, counted.
func (r Records) SubmitRegistration(ctx context.Context, sub ocop.Submission) (ocop.Registration, error) {
	reg, err := r.Store.SubmitRegistration(ctx, sub)
	if err == nil {
		r.m.registrations.Inc()
	}
	return reg, err
}

// RecordResults is storage.Store.RecordResults, counted as a results import.
func (r Records) RecordResults(ctx context.Context, results []ocop.Result) (ocop.Recorded, error) {
	done, err := r.Store.RecordResults(ctx, results)
	if err == nil {
		r.m.imports.WithLabelValues("results").Inc()
	}
	return done, err
}

// ImportRegistry is storage.Store.ImportRegistry, counted.
func (r Records) ImportRegistry(ctx context.Context, rows []ocop.RegistryRow, sha string, actor int64) (ocop.RegistryImported, error) {
	done, err := r.Store.ImportRegistry(ctx, rows, sha, actor)
	if err == nil {
		r.m.imports.WithLabelValues("registry").Inc()
	}
	return done, err
}

// ReplaceQuotas is storage.Store.ReplaceQuotas, counted as a quotas import.
func (r Records) ReplaceQuotas(ctx context.Context, quotas []ocop.Quota, actor int64, file string) (int, error) {
	n, err := r.Store.ReplaceQuotas(ctx, quotas, actor, file)
	if err == nil {
		r.m.imports.WithLabelValues("quotas").Inc()
	}
	return n, err
}
