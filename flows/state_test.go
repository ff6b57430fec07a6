package flows_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
)

// States written by earlier releases (version 1: answers as strings in
// one map) are read into the typed answers; what this release writes reads
// back the same, in version 2 only.
func TestDecodeState(t *testing.T) {
	t.Parallel()
	score := 72.5
	cases := []struct {
		name string
		data string
		want flows.State
	}{
		{
			name: "v1 registration",
			data: `{"f":"reg","s":"stars","n":14,"a":{"kind":"household","name":"Hộ Lê Văn Tư","rep":"Lê Văn Tư",` +
				`"phone":"0912345678","cid":"079090001234","province":"79","district":"783","commune":"27595",` +
				`"pname":"Bánh tráng","group":"1","subgroup":"1.2","desc":"Bánh tráng phơi sương","photo":"-","stars":"4"},` +
				`"id":"abc","t0":"2026-11-20T08:00:00Z","t1":"2026-11-20T08:10:00Z"}`,
			want: flows.State{Version: 2, Flow: "reg", Step: "stars", Seq: 14, Submission: "abc",
				Started: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), Updated: time.Date(2026, 11, 20, 8, 10, 0, 0, time.UTC),
				Reg: &flows.RegistrationAnswers{Kind: "household", Name: "Hộ Lê Văn Tư", Rep: "Lê Văn Tư", Phone: "0912345678",
					CitizenID: "079090001234", Province: 79, District: 783, Commune: 27595, ProductName: "Bánh tráng",
					Group: "1", Subgroup: "1.2", Desc: "Bánh tráng phơi sương", NoPhoto: true, Stars: 4}},
		},
		{
			name: "v1 registration of a known producer, photo sent",
			data: `{"f":"reg","s":"desc","n":3,"a":{"producer":"42","pname":"Trà","group":"2","subgroup":"2.1","photo":"AgAD"},"t0":"0001-01-01T00:00:00Z","t1":"0001-01-01T00:00:00Z"}`,
			want: flows.State{Version: 2, Flow: "reg", Step: "desc", Seq: 3,
				Reg: &flows.RegistrationAnswers{ProducerID: 42, ProductName: "Trà", Group: "2", Subgroup: "2.1", Photo: "AgAD"}},
		},
		{
			name: "v1 council result",
			data: `{"f":"result","s":"r_confirm","n":6,"a":{"r_code":"OCOP-24-000007","r_reg":"7","r_prod":"9",` +
				`"r_product":"Mật ong","r_producer":"HTX A","r_score":"72.5","r_dno":"2388/QĐ-UBND","r_ddate":"20240628",` +
				`"r_last":"72 điểm","r_editing":"1"},"t0":"0001-01-01T00:00:00Z","t1":"0001-01-01T00:00:00Z"}`,
			want: flows.State{Version: 2, Flow: "result", Step: "r_confirm", Seq: 6,
				Result: &flows.ResultAnswers{Code: "OCOP-24-000007", RegistrationID: 7, ProductID: 9, Product: "Mật ong",
					Producer: "HTX A", Score: &score, DecisionNo: "2388/QĐ-UBND",
					DecisionDate: time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC), Editing: true}},
		},
		{
			name: "v1 result before the score",
			data: `{"f":"result","s":"r_score","n":2,"a":{"r_code":"OCOP-24-000007","r_reg":"7"},"t0":"0001-01-01T00:00:00Z","t1":"0001-01-01T00:00:00Z"}`,
			want: flows.State{Version: 2, Flow: "result", Step: "r_score", Seq: 2,
				Result: &flows.ResultAnswers{Code: "OCOP-24-000007", RegistrationID: 7}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := flows.DecodeState([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("decoded\n%+v %+v %+v\nwant\n%+v %+v %+v", *got, got.Reg, got.Result, tc.want, tc.want.Reg, tc.want.Result)
			}
			data, err := got.Encode()
			if err != nil {
				t.Fatal(err)
			}
			again, err := flows.DecodeState(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %s\ngave %+v", data, again)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(data, &fields); err != nil {
				t.Fatal(err)
			}
			if _, ok := fields["a"]; ok {
				t.Errorf("%s has the version-1 answers, want version 2 only", data)
			}
		})
	}
}

func TestDecodeEmptyState(t *testing.T) {
	t.Parallel()
	st, err := flows.DecodeState(nil)
	if st != nil || err != nil {
		t.Fatalf("DecodeState(nil) = %v, %v; want no conversation", st, err)
	}
	if _, err := flows.DecodeState([]byte("{not json")); err == nil {
		t.Fatal("garbage decoded without error")
	}
}
