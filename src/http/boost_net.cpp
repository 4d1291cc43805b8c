// Boost.Asio and Boost.Beast compiled once: with BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION defined everywhere (CMakeLists.txt, target pm_boost_net), their
// non-template code lives in this one object instead of being compiled into every file that
// includes them. This file is its own library so the WebSocket load client can link it without
// the server's code.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
