{
  "targets": [
    {
      "target_name": "gateway_relay",
      "sources": ["gateway/native/relay.c", "gateway/native/loop.c", "gateway/native/conn.c", "gateway/native/dial.c",
        "core/native/accept.c", "core/native/napi-util.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "proxy_front",
      "sources": ["proxy/native/addon.c", "proxy/native/loop.c", "proxy/native/client.c", "proxy/native/member.c",
        "proxy/native/stats.c", "proxy/native/util.c", "proxy/native/grpc.c", "proxy/native/rangepb.c", "core/native/napi-util.c",
        "proxy/native/llhttp-parser.c", "proxy/native/llhttp-api.c", "proxy/native/llhttp-http.c"],
      "include_dirs": ["/usr/share/include/llhttp", "/usr/share"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11", "-fvisibility=hidden"],
      "ldflags": ["-Wl,-Bsymbolic"],
      "libraries": ["-lpthread"]
    }
  ]
}
