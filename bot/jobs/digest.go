package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/flows"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	store  *storage.Store
	render *flows.Engine
	now    func() time.Time
	log    *slog.Logger
}

func (w *digestWorker) Timeout(*river.Job[DigestArgs]) time.Duration { return sweepTimeout }

// Work queues the week's digests, as of today.
func (w *digestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	week, err := jobDay("digest week", job.Args.Week)
	if err != nil {
		return err
	}
	n, err := w.queue(ctx, week, dates.LocalDay(w.now()))
	if err != nil {
		return fmt.Errorf("digests of %s: %w", job.Args.Week, err)
	}
	w.log.Info("weekly digests", slog.String("week", job.Args.Week), slog.Int("queued", n))
	return nil
}

// digestItems is how many lines a digest lists of each kind.
const digestItems = 10

// queue queues the weekly digest of week (its Monday) for every official
// of a district or province who asked for it, as of day: the certificates
// of their communes expiring in the next 90 days and the renewal answers
// received in the 7 days before day. One digest per official and week,
// whatever runs again.
func (w *digestWorker) queue(ctx context.Context, week, day time.Time) (int, error) {
	readers, err := w.store.DigestReaders(ctx, week)
	if err != nil {
		return 0, err
	}
	queued := 0
	content := map[int64]ocop.DigestNotice{} // officials of one unit read the same digest
	for _, r := range readers {
		d, ok := content[r.UnitID]
		if !ok {
			off := ocop.Official{UserID: r.UserID, ChatID: r.ChatID, UnitID: r.UnitID, Role: ocop.Role(r.Role)}
			if d, err = w.digest(ctx, r.Unit, day, off); err != nil {
				return queued, err
			}
			content[r.UnitID] = d
		}
		ok, err := w.store.QueueDigest(ctx, r, week, d)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

// digest is what the officials of unit, as off, read on day: the expiring
// products as /status counts them (its model), the answers of the week.
func (w *digestWorker) digest(ctx context.Context, unit string, day time.Time, off ocop.Official) (ocop.DigestNotice, error) {
	communes := w.render.ScopeCommunes(off)
	if communes == nil {
		communes = []int64{} // nil would mean every commune
	}
	d := ocop.DigestNotice{Unit: unit, From: day.AddDate(0, 0, -7), Until: day.AddDate(0, 0, 90)}
	var err error
	if d.Expiring, d.Soonest, err = w.render.DigestExpiring(ctx, off, day, digestItems); err != nil {
		return d, err
	}
	answers, received, err := w.store.AnswersReceived(ctx, communes, d.From, day.AddDate(0, 0, 1), digestItems)
	if err != nil {
		return d, err
	}
	d.Received = received
	d.Answers = make([]ocop.AnswerNotice, len(answers))
	for i, a := range answers {
		d.Answers[i] = ocop.AnswerNotice{CertificateItem: a.CertificateItem, Answer: a.Answer, TargetStars: a.TargetStars}
	}
	return d, nil
}

// Digest queues the digests of day's week now, as the weekly job does.
func (q *Queue) Digest(ctx context.Context, day time.Time) error {
	if _, err := q.client.Insert(ctx, DigestArgs{Week: weekOf(day).Format(time.DateOnly)}, nil); err != nil {
		return fmt.Errorf("queue digest: %w", err)
	}
	return nil
}
