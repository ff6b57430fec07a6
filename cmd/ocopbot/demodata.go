package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// hcmc is Ho Chi Minh City's province code: the demo loads its units only.
const hcmc = "79"

// demoOfficial is the web chat's demo district official (Anh Minh).
const demoOfficial = 9002

// demoProducer is a sample producer with one product, marked "(demo)".
type demoProducer struct {
	owner    int64
	unitCode string
	producer ocop.Producer
	product  ocop.Product
}

var demoProducers = []demoProducer{
	{9001, "27499", // Xã Phú Mỹ Hưng, Huyện Củ Chi
		ocop.Producer{Kind: ocop.KindCooperative, Name: "HTX Mật ong Củ Chi (demo)", Representative: "Nguyễn Thị Lan",
			Phone: "0912000001", TaxCode: "0100109106"},
		ocop.Product{Name: "Mật ong rừng tràm Củ Chi", SubgroupCode: "1.4", TargetStars: 4,
			Description: "Mật ong nguyên chất thu từ rừng tràm, không pha đường (dữ liệu mẫu)."}},
	{9011, "27517", // Xã Phú Hòa Đông, Huyện Củ Chi
		ocop.Producer{Kind: ocop.KindHousehold, Name: "Hộ kinh doanh Bánh tráng Phú Hòa Đông (demo)", Representative: "Trần Văn Tư",
			Phone: "0912000002", CitizenID: "079070000001"},
		ocop.Product{Name: "Bánh tráng phơi sương", SubgroupCode: "1.2", TargetStars: 3,
			Description: "Bánh tráng tráng tay, phơi sương đêm (dữ liệu mẫu)."}},
	{9012, "26800", // Phường Linh Trung, Thành phố Thủ Đức
		ocop.Producer{Kind: ocop.KindEnterprise, Name: "Công ty TNHH Nông sản Thủ Đức (demo)", Representative: "Lê Minh Tâm",
			Phone: "0912000003", TaxCode: "0100109106-001"},
		ocop.Product{Name: "Rau mầm hữu cơ", SubgroupCode: "1.1", TargetStars: 4,
			Description: "Rau mầm trồng thủy canh hữu cơ, thu hoạch trong ngày (dữ liệu mẫu)."}},
}

// seedDemo loads, on first run only, Ho Chi Minh City's units and a few
// sample producers with their registrations. It runs in demo mode only,
// never in serve.
func seedDemo(ctx context.Context, store *storage.Store, unitsFile string, log *slog.Logger) error {
	n, err := store.CountUnits(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		f, err := os.Open(unitsFile)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("demo: the unit file %s does not exist; pass --units FILE (the public lists are in ../shared/data)", unitsFile)
		}
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		res, err := store.ImportUnits(ctx, f, hcmc)
		f.Close()
		if err != nil {
			return err
		}
		log.Info("demo units imported", slog.String("tree", res.Tree), slog.Int("districts", res.Districts), slog.Int("communes", res.Communes))
	}
	// Anh Minh of the web chat is Huyện Củ Chi's official, bound the way any
	// official is: through an invitation.
	if _, err := store.OfficialByUser(ctx, demoOfficial); errors.Is(err, storage.ErrNotFound) {
		unit, err := store.UnitIDByCode(ctx, "783", 2, time.Now())
		if err != nil {
			return fmt.Errorf("demo official: %w", err)
		}
		code, err := store.CreateInvite(ctx, unit, ocop.RoleDistrict, 0, time.Hour)
		if err != nil {
			return err
		}
		if _, err := store.RedeemInvite(ctx, code, demoOfficial, demoOfficial); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	for _, d := range demoProducers {
		if _, err := store.ProducerByOwner(ctx, d.owner); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		unit, err := store.UnitIDByCode(ctx, d.unitCode, 3, time.Now())
		if err != nil {
			return fmt.Errorf("demo producer %s: %w", d.producer.Name, err)
		}
		p := d.producer
		p.OwnerUserID, p.ChatID, p.UnitID = d.owner, d.owner, unit
		reg, err := store.SubmitRegistration(ctx, ocop.Submission{ActorID: d.owner, Producer: p, Product: d.product})
		if err != nil {
			return fmt.Errorf("demo producer %s: %w", d.producer.Name, err)
		}
		// Recognised two years ago, so Anh Minh's /status has something to
		// count and one certificate to renew next year.
		cert := ocop.Certificate{ProductID: reg.ProductID, Stars: d.product.TargetStars, Score: 60 + 10*float64(d.product.TargetStars-3),
			DecisionNo: "2388/QĐ-UBND", DecisionDate: time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)}
		if _, err := store.AddCertificate(ctx, cert, 0); err != nil {
			return fmt.Errorf("demo certificate of %s: %w", d.product.Name, err)
		}
	}
	return nil
}
