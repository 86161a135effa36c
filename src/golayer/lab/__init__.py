"""golayer.lab"""
