"""golayer.runtime"""
