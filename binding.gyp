{
  "targets": [
    {
      "target_name": "gateway_relay",
      "sources": ["gateway/native/relay.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "libraries": ["-lpthread"]
    }
  ]
}
