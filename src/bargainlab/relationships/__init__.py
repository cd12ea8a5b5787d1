"""relationships"""
