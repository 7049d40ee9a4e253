// llhttp (the parser of node:http), compiled into the addon from Debian's node-llhttp package (scripts/setup.sh
// installs it): its C sources are not copied here. Its symbols stay hidden (-fvisibility=hidden, -Bsymbolic), so
// they never bind to the llhttp inside the node binary, which is another version.
#include <llhttp/llhttp.c>
