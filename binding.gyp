{
  "targets": [
    {
      "target_name": "gateway_relay",
      "sources": ["gateway/native/relay.c", "gateway/native/loop.c", "gateway/native/conn.c", "gateway/native/dial.c", "core/native/accept.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "libraries": ["-lpthread"]
    }
  ]
}
