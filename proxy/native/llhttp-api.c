// llhttp's API functions, from Debian's node-llhttp package (see llhttp-parser.c).
#include <llhttp/api.c>
