"""Drafting from templates: editable .docx templates (docxtpl), their render context, PDF conversion.

``rules`` holds the typography of both profiles, ``builder`` writes the default templates from those
rules, ``context`` fills a template for one document, ``render`` runs docxtpl, ``convert`` runs
LibreOffice headless, ``stamp`` writes the number and date on an uploaded PDF.
"""
