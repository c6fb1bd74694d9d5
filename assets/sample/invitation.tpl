From: Sample Sender <sender@example.com>
To: {{ First Name }} {{ Last Name }} <{{ Email }}>
Subject: Your appointment on {{ ["Date RDV"] | date: '%d/%m/%Y' }}
Format: markdown

Hello {{ First Name | default: 'there' }},

{% if Company %}Thank you for choosing us for **{{ Company }}**.{% else %}Thank you for your interest.{% endif %}

Your appointment is on **{{ ["Date RDV"] | date: '%A %d %B %Y' }}**{% if City == 'Lyon' %} at our Lyon office, 12 rue de la République{% endif %}.

Reply to this message if you need another date.

Best regards,
The SecureMerge team
