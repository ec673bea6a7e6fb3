#!/bin/sh
touch "$(dirname "$0")/ran"
cat
