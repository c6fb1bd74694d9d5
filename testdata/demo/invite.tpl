From: Claire Martin <claire.martin@example.com>
To: {{ Prénom }} {{ Nom }} <{{ Email }}>
Subject: Your appointment on {{ ["Date RDV"] | date: '%-d %B' }}
Format: markdown

Hello {{ Prénom }},

{% if Société %}Thank you for choosing us for **{{ Société }}**.{% else %}Thank you for your interest.{% endif %}

Your appointment is on **{{ ["Date RDV"] | date: '%A %-d %B %Y' }}**{% if Ville == 'Lyon' %} at our Lyon office{% endif %}.

Best regards,
Claire
