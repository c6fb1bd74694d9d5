// Command graphemu runs the Microsoft Graph emulator of
// internal/graph/graphtest on a loopback address, for demos and manual
// end-to-end runs of SecureMerge without a Microsoft 365 tenant.
//
//	graphemu [-addr 127.0.0.1:0] [-token T] [-mailbox ada@contoso.test]
//	         [-rate 30] [-window 60s] [-concurrency 4] [-daily 10000]
//	         [-latency 0] [-sent-items-lag 0] [-fault-rate 0] [-faults Throttle,Unavailable,...]
//	         [-retry-after 1s] [-seed 1] [-v]
//
// It prints the two environment variables that point the app at it:
//
//	SECUREMERGE_GRAPH_URL=http://127.0.0.1:PORT/v1.0
//	SECUREMERGE_ACCESS_TOKEN=...
//
// and serves until SIGINT or SIGTERM. It only wires flags to graphtest; it
// must not import the Graph client (internal/graph) or msgraph-sdk-go.
package main
