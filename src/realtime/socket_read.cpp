// Reading a frame (realtime/socket.hpp). Each Beast operation on the WebSocket is a large template
// instantiated for its handler; in files of their own they build in parallel, and an edit to the
// socket's logic (realtime/socket.cpp) recompiles none of them.

#include "realtime/socket.hpp"

#include <boost/beast/core/bind_handler.hpp>

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// Every read and every close completes in one member function each: Beast's read and close
// machinery is a large template instantiated once per distinct handler type, and was most of this
// file's compile time when each call had a lambda of its own.
void Socket::read_frame() { ws_.async_read(buffer_, beast::bind_front_handler(&Socket::on_read, shared_from_this())); }

}  // namespace pm::realtime
