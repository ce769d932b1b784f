"""exportwatch"""
