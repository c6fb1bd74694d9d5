From: Expéditeur exemple <sender@example.com>
To: {{ First Name }} {{ Last Name }} <{{ Email }}>
Subject: Votre rendez-vous du {{ ["Date RDV"] | date: '%d/%m/%Y' }}
Format: markdown
Language: fr

Bonjour {{ First Name | default: 'à vous' }},

{% if Company %}Merci d’avoir choisi notre cabinet pour **{{ Company }}**.{% else %}Merci de votre intérêt.{% endif %}

Votre rendez-vous est fixé au **{{ ["Date RDV"] | date: '%A %d %B %Y' }}**{% if City == 'Lyon' %} dans nos bureaux de Lyon, 12 rue de la République{% endif %}.

Répondez à ce message si vous souhaitez une autre date.

Bien cordialement,
L’équipe SecureMerge
