// llhttp's HTTP helpers (keep-alive, message end), from Debian's node-llhttp package (see llhttp-parser.c).
#include <llhttp/http.c>
