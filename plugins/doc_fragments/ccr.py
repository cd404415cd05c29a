# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    """The replication parameters of a follower (es_ccr_follower) and of an auto-follow pattern (es_ccr_auto_follow);
    their argument spec is module_utils/_ccr.py tuning_argument_spec()."""

    DOCUMENTATION = r'''
options:
  max_read_request_operation_count:
    description: The maximum number of operations to pull per read from the leader (default 5120).
    type: int
  max_outstanding_read_requests:
    description: The maximum number of outstanding read requests from the leader (default 12).
    type: int
  max_read_request_size:
    description: The maximum size in bytes per read of a batch of operations pulled from the leader, for example V(32mb) (the default).
    type: str
  max_write_request_operation_count:
    description: The maximum number of operations per bulk write request on the follower (default 5120).
    type: int
  max_write_request_size:
    description: The maximum total bytes of operations per bulk write request on the follower (default V(9223372036854775807b)).
    type: str
  max_outstanding_write_requests:
    description: The maximum number of outstanding write requests on the follower (default 9).
    type: int
  max_write_buffer_count:
    description: The maximum number of operations that can be queued for writing (default 2147483647).
    type: int
  max_write_buffer_size:
    description: The maximum total bytes of operations that can be queued for writing, for example V(512mb) (the default).
    type: str
  max_retry_delay:
    description: The maximum time to wait before retrying a failed operation, at most V(5m) (default V(500ms)).
    type: str
  read_poll_timeout:
    description: How long to wait for new operations on the leader when the follower is caught up (default V(1m)).
    type: str
'''
