package bot_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
