# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):  # pylint: disable=too-few-public-methods
    """Shared attribute documentation."""

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
'''

    ACTIONGROUP_ECE = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/eceops.remote_clusters.ece) in C(module_defaults) to set the ECE connection once.
    support: full
    membership:
      - eceops.remote_clusters.ece
'''

    ACTIONGROUP_ES = r'''
options: {}
attributes:
  action_group:
    description:
      - Use C(group/eceops.remote_clusters.elasticsearch) in C(module_defaults) to set the Elasticsearch connection once.
      - The module is also in C(group/eceops.remote_clusters.ece), so an ECE connection set there is used for
        O(es_deployment_id).
    support: full
    membership:
      - eceops.remote_clusters.elasticsearch
      - eceops.remote_clusters.ece
'''

    ACTIONGROUP_NONE = r'''
options: {}
attributes:
  action_group:
    description: This module is not part of an action group; it talks to no API.
    support: none
    membership: []
'''
