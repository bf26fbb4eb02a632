#! /bin/sh
# Generates configure and Makefile.in from a fresh git clone.
autoreconf --install --force
