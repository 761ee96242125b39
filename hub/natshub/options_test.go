package natshub

import (
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		want func(Options) bool
		err  string
	}{
		{"embedded cluster node", map[string]string{
			"nats-listen": "127.0.0.1:4222", "nats-cluster-listen": "127.0.0.1:6222",
			"nats-routes": "127.0.0.1:6222, 127.0.0.1:6223,", "nats-name": "n1", "ring-size": "9",
		}, func(o Options) bool {
			return o.Listen == "127.0.0.1:4222" && o.ClusterListen == "127.0.0.1:6222" &&
				len(o.Routes) == 2 && o.Routes[1] == "127.0.0.1:6223" && o.Name == "n1"
		}, ""},
		{"external", map[string]string{"nats-urls": "nats://a:4222,nats://b:4222", "nats-queue": "64", "nats-pending-msgs": "10", "nats-pending-bytes": "1000"},
			func(o Options) bool {
				return len(o.URLs) == 2 && o.QueueSize == 64 && o.PendingMsgs == 10 && o.PendingBytes == 1000
			}, ""},
		{"nothing to use", map[string]string{"backend": "nats"}, nil, "no NATS to use"},
		{"routes without cluster", map[string]string{"nats-listen": ":0", "nats-routes": "x:1"}, nil, "needs nats-cluster-listen"},
		{"bad number", map[string]string{"nats-urls": "nats://a", "nats-queue": "-1"}, nil, "positive integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Config(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.want(o) {
				t.Fatalf("Config = %+v, %v", o, err)
			}
		})
	}
}
