// Umbrella header for StreamGate's test helpers.
#pragma once

#include "http_client.hpp"
#include "local_chain.hpp"
#include "player.hpp"
#include "ports.hpp"
#include "postgres_server.hpp"
#include "process.hpp"
#include "redis_server.hpp"
#include "streamgate_server.hpp"
#include "temp_dir.hpp"
#include "test_clip.hpp"
