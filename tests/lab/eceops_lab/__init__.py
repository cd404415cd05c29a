# -*- coding: utf-8 -*-
# Copyright (c) 2026 eceops.remote_clusters contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab: a strict local simulator of ECE, ECH, self-managed and ECK Elasticsearch environments (see ../DESIGN.md)."""
