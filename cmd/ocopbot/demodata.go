package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// hcmc is Ho Chi Minh City's province code, the same in both trees: the
// demo loads its units only.
const hcmc = "79"

// The web chat's demo officials, each bound through an invitation as any
// official is, in today's two-level tree: Anh Minh works for the city,
// Chị Hạnh for Xã Củ Chi.
var demoOfficials = []struct {
	user  int64
	code  string // GSO code in the two-level tree
	role  ocop.Role
	label string
}{
	{9002, hcmc, ocop.RoleProvince, "Thành phố Hồ Chí Minh"},
	{9004, "27553", ocop.RoleCommune, "Xã Củ Chi"},
}

// demoProducer is a sample producer with one product, marked "(demo)".
type demoProducer struct {
	owner    int64
	zalo     string // the Zalo user who owns it, instead of owner
	unitCode string // a commune of the two-level tree
	producer ocop.Producer
	product  ocop.Product
}

var demoProducers = []demoProducer{
	{9001, "", "27553", // Xã Củ Chi (from Tân Thông Hội, Tân Phú Trung, Phước Vĩnh An of the former Huyện Củ Chi)
		ocop.Producer{Kind: ocop.KindCooperative, Name: "HTX Mật ong Củ Chi (demo)", Representative: "Nguyễn Thị Lan",
			Phone: "0912000001", TaxCode: "0100109106"},
		ocop.Product{Name: "Mật ong rừng tràm Củ Chi", SubgroupCode: "1.4", TargetStars: 4,
			Description: "Mật ong nguyên chất thu từ rừng tràm, không pha đường (dữ liệu mẫu)."}},
	{9011, "", "27541", // Xã Phú Hòa Đông (from Phú Hòa Đông, Tân Thạnh Tây, Tân Thạnh Đông)
		ocop.Producer{Kind: ocop.KindHousehold, Name: "Hộ kinh doanh Bánh tráng Phú Hòa Đông (demo)", Representative: "Trần Văn Tư",
			Phone: "0912000002", CitizenID: "079070000001"},
		ocop.Product{Name: "Bánh tráng phơi sương", SubgroupCode: "1.2", TargetStars: 3,
			Description: "Bánh tráng tráng tay, phơi sương đêm (dữ liệu mẫu)."}},
	{9012, "", "26800", // Phường Linh Xuân (from Linh Xuân, Linh Trung and part of Linh Tây of the former Thành phố Thủ Đức)
		ocop.Producer{Kind: ocop.KindEnterprise, Name: "Công ty TNHH Nông sản Thủ Đức (demo)", Representative: "Lê Minh Tâm",
			Phone: "0912000003", TaxCode: "0100109106-001"},
		ocop.Product{Name: "Rau mầm hữu cơ", SubgroupCode: "1.1", TargetStars: 4,
			Description: "Rau mầm trồng thủy canh hữu cơ, thu hoạch trong ngày (dữ liệu mẫu)."}},
	{0, demoZaloProducer, "27541", // Xã Phú Hòa Đông: its producer chats on Zalo
		ocop.Producer{Kind: ocop.KindCooperative, Name: "HTX Trà Phú Hòa (demo)", Representative: "Phạm Văn Tuấn",
			Phone: "0912000004", TaxCode: "0100109106-002"},
		ocop.Product{Name: "Trà mãng cầu Phú Hòa", SubgroupCode: "1.6", TargetStars: 3,
			Description: "Trà túi lọc từ lá mãng cầu xiêm (dữ liệu mẫu)."}},
}

// seedDemo loads, once, Ho Chi Minh City's units in both trees (today's
// city of 168 wards, communes and special zone, which took in Bình Dương and
// Bà Rịa – Vũng Tàu; and the three-level city before 1/7/2025, for history)
// with the merges between them, from the lists built into the binary; then
// its demo officials, a few sample producers with their registrations, and
// the city's generated registry (demoRegistry). It runs in demo mode only,
// never in serve.
func seedDemo(ctx context.Context, store *storage.Store, log *slog.Logger) error {
	load, err := store.LoadEmbeddedUnits(ctx, hcmc)
	if err != nil {
		return fmt.Errorf("demo units: %w", err)
	}
	for _, res := range []*storage.UnitImport{load.ThreeLevel, load.TwoLevel} {
		if res != nil {
			log.Info("demo units loaded", slog.String("tree", res.Tree), slog.Int("districts", res.Districts), slog.Int("communes", res.Communes))
		}
	}
	if load.MergesLoaded {
		log.Info("demo unit merges loaded", slog.Int("links", load.Merges))
	}
	// Today's units: the two-level tree is in force from 1/7/2025.
	now := time.Now()
	for _, o := range demoOfficials {
		unit, err := store.UnitIDByCode(ctx, o.code, o.role.Level(), now)
		if err != nil {
			return fmt.Errorf("demo official of %s: %w", o.label, err)
		}
		// A demo database of an earlier version had Anh Minh as Huyện Củ
		// Chi's official: bind him again, to today's unit.
		if cur, err := store.OfficialByUser(ctx, o.user); err == nil && cur.UnitID == unit && cur.Role == o.role {
			continue
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		code, err := store.CreateInvite(ctx, unit, o.role, 0, time.Hour)
		if err != nil {
			return fmt.Errorf("demo official of %s: %w", o.label, err)
		}
		if _, err := store.RedeemInvite(ctx, code, o.user, o.user); err != nil {
			return fmt.Errorf("demo official of %s: %w", o.label, err)
		}
	}
	for _, d := range demoProducers {
		if d.zalo != "" {
			if d.owner, err = store.ZaloChat(ctx, d.zalo); err != nil {
				return fmt.Errorf("demo producer %s: %w", d.producer.Name, err)
			}
		}
		if _, err := store.ProducerByOwner(ctx, d.owner); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		unit, err := store.UnitIDByCode(ctx, d.unitCode, 3, now)
		if err != nil {
			return fmt.Errorf("demo producer %s: %w", d.producer.Name, err)
		}
		p := d.producer
		p.OwnerUserID, p.ChatID, p.UnitID = d.owner, d.owner, unit
		reg, err := store.SubmitRegistration(ctx, ocop.Submission{ActorID: d.owner, Producer: p, Product: d.product})
		if err != nil {
			return fmt.Errorf("demo producer %s: %w", d.producer.Name, err)
		}
		// Recognised in June 2024, so the officials' /status has something
		// to count, before the reform (through the merges) and today, and
		// certificates to renew in 2027.
		cert := ocop.Certificate{ProductID: reg.ProductID, Stars: d.product.TargetStars, Score: 60 + 10*float64(d.product.TargetStars-3),
			DecisionNo: "2388/QĐ-UBND", DecisionDate: time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)}
		if _, err := store.AddCertificate(ctx, cert, 0); err != nil {
			return fmt.Errorf("demo certificate of %s: %w", d.product.Name, err)
		}
	}
	return loadDemoRegistry(ctx, store, log)
}
