"""golayer.knowledge"""
