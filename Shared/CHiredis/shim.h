// hiredis through its plain include path: pkg-config's flags for it trip SwiftPM (see swift-c-facts.md, pitfall 11).
#include <hiredis/hiredis.h>
