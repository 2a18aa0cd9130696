"""Deployment files for cnnviz (Docker, compose, HAProxy, Kubernetes notes; see deploy/README.md).

A package only so a benchmark run from the repository root can ``from deploy.run_local_replicas
import start_replicas``.
"""
