#!/bin/bash
# Stands in for the article's snat.py: records when it ran and with which arguments, changes nothing.
printf '%s %s\n' "$(date +%s%3N)" "$*" >> "$(dirname "$0")/notify.log"
